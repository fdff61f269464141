-- The outbox's second destination: Kafka topic order-events (docs/kafka.md). Each row carries
-- its own marker, independent of RabbitMQ's published_at, so an outage of one broker never
-- holds back the other.
alter table outbox add column kafka_published_at timestamptz;
-- Rows already relayed before Kafka publishing existed are history, not news: Kafka starts here.
update outbox set kafka_published_at = published_at where published_at is not null;
-- The Kafka relay only ever reads rows it has not sent yet, oldest first.
create index outbox_kafka_unpublished on outbox (id) where kafka_published_at is null;
