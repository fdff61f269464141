/**
 * A product's review summary and its rank in its category by average rating. Ranking needs
 * the average of every reviewed product in the category, so this aggregates all the
 * category's reviews: the query the cache exists for (hundreds of milliseconds on a large
 * reviews table, whatever the indexes).
 */
export const SUMMARY_SQL = `
with target as (
  select sku, category from products where sku = $1 and deleted_at is null
), category_averages as (
  select r.sku, avg(r.rating)::float8 as average, count(*) as reviews
  from product_reviews r
  join products p on p.sku = r.sku and p.deleted_at is null
  where p.category = (select category from target)
  group by r.sku
), ranked as (
  select sku, average, reviews,
         rank() over (order by average desc, reviews desc) as rank,
         count(*) over () as of
  from category_averages
)
select
  coalesce((select reviews from ranked where sku = $1), 0)::int as count,
  (select average from ranked where sku = $1) as average_rating,
  (select rank from ranked where sku = $1)::int as rank,
  (select max(of) from ranked)::int as of,
  array(select count(r.id)::int from generate_series(1, 5) as s(stars)
        left join product_reviews r on r.sku = $1 and r.rating = s.stars
        group by s.stars order by s.stars) as histogram
`;

/** A row of {@link SUMMARY_SQL}. */
export interface SummaryRow {
  count: number;
  average_rating: number | null;
  rank: number | null;
  of: number | null;
  histogram: number[];
}
