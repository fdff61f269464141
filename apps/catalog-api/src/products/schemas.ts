import { Type, type Static } from '@sinclair/typebox';
import { Currency, OrderItem } from '@orderflow/messaging';

/** A SKU means the same here as in an order's items. */
export const Sku = OrderItem.properties.sku;

const Attributes = Type.Record(Type.String({ maxLength: 64 }), Type.Union([Type.String({ maxLength: 500 }), Type.Number(), Type.Boolean()]), {
  maxProperties: 50,
  description: 'Free-form attributes (colour, size, …)',
});

const fields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  description: Type.Optional(Type.String({ maxLength: 4_000 })),
  category: Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9][a-z0-9-]*$' }),
  /** Price of one unit in the currency's minor unit, as in an order's items. */
  priceMinor: OrderItem.properties.unitPriceMinor,
  currency: Currency,
  stock: Type.Integer({ minimum: 0, maximum: 1_000_000_000 }),
  attributes: Type.Optional(Attributes),
};

/** Body of `POST /products`. */
export const CreateProductBody = Type.Object({ sku: Sku, ...fields }, { additionalProperties: false, $id: 'CreateProduct' });
export type CreateProductBody = Static<typeof CreateProductBody>;

/** Body of `PUT /products/:sku`: the whole product except its SKU. */
export const ReplaceProductBody = Type.Object(fields, { additionalProperties: false, $id: 'ReplaceProduct' });
export type ReplaceProductBody = Static<typeof ReplaceProductBody>;

/** A product as the API returns it. */
export const ProductView = Type.Object(
  {
    sku: Type.String(),
    name: Type.String(),
    description: Type.String(),
    category: Type.String(),
    priceMinor: Type.Integer(),
    currency: Type.String(),
    stock: Type.Integer(),
    attributes: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()])),
    version: Type.Integer({ description: 'Grows with every change, also across delete and re-create; the ETag' }),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Product' },
);
export type ProductView = Static<typeof ProductView>;

/** Aggregates over a product's reviews, and its rank in its category by average rating. */
export const ProductSummary = Type.Object({
  reviews: Type.Object({
    count: Type.Integer(),
    averageRating: Type.Union([Type.Number(), Type.Null()]),
    /** Reviews with 1, 2, 3, 4, 5 stars. */
    histogram: Type.Array(Type.Integer(), { minItems: 5, maxItems: 5 }),
  }),
  categoryRank: Type.Union([Type.Object({ rank: Type.Integer(), of: Type.Integer() }), Type.Null()], {
    description: 'Rank by average rating among reviewed products of the category; null without reviews',
  }),
});
export type ProductSummary = Static<typeof ProductSummary>;

/** Body of `GET /products/:sku/details`. */
export const ProductDetails = Type.Object({ product: Type.Ref('Product'), summary: ProductSummary }, { $id: 'ProductDetails' });

export const SkuParams = Type.Object({ sku: Sku });

export const IfMatchHeaders = Type.Object({
  'if-match': Type.Optional(Type.String({ pattern: '^"[0-9]{1,15}"$', description: 'The ETag of the version you read; the change is refused (412) if the product has moved on.' })),
});

export const ErrorBody = Type.Object(
  { code: Type.String(), message: Type.String(), statusCode: Type.Integer(), details: Type.Optional(Type.Record(Type.String(), Type.Unknown())) },
  { $id: 'Error' },
);
