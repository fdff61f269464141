import { RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { labelVariable, orderflowDashboard, timeseries, type DashboardJson } from './panels.ts';

const R = '$__rate_interval';

/** RED per service (HTTP), the order funnel and payment outcomes. */
function platformOverview(): DashboardJson {
  return orderflowDashboard('orderflow-overview', 'orderflow / Platform overview')
    .withRow(new RowBuilder('Requests, errors, duration per service'))
    .withPanel(timeseries('Requests per second', 'reqps', [{ expr: `sum by (job) (rate(http_requests_total[${R}]))`, legend: '{{job}}' }]))
    .withPanel(timeseries('Errors per second (5xx)', 'reqps', [{ expr: `sum by (job) (rate(http_requests_total{status_code=~"5.."}[${R}])) or sum by (job) (rate(http_requests_total[${R}])) * 0`, legend: '{{job}}' }]))
    .withPanel(timeseries('Duration p99', 's', [{ expr: `histogram_quantile(0.99, sum by (job, le) (rate(http_request_duration_seconds_bucket[${R}])))`, legend: '{{job}}' }]))
    .withRow(new RowBuilder('Order funnel'))
    .withPanel(timeseries('Orders: accepted, published, settled', 'ops', [
      { expr: `sum(rate(orders_accepted_total[${R}]))`, legend: 'accepted' },
      { expr: `sum(rate(outbox_relay_published_rows_total[${R}]))`, legend: 'published to RabbitMQ' },
      { expr: `sum(rate(outbox_kafka_relay_published_rows_total[${R}]))`, legend: 'published to Kafka' },
      { expr: `sum(rate(payments_messages_processed_total[${R}]))`, legend: 'settled by payment-worker' },
    ]))
    .withPanel(timeseries('Outbox: pending rows and relay lag p99', 'short', [
      { expr: 'max by (job) (outbox_pending_rows)', legend: 'pending rows {{job}}' },
      { expr: `histogram_quantile(0.99, sum by (le) (rate(outbox_relay_lag_seconds_bucket[${R}])))`, legend: 'relay lag p99 (s)' },
    ]))
    .withRow(new RowBuilder('Payments'))
    .withPanel(timeseries('Payment outcomes', 'ops', [{ expr: `sum by (outcome) (rate(payments_messages_processed_total[${R}]))`, legend: '{{outcome}}' }]))
    .withPanel(timeseries('Breakers (0 closed, 1 half-open, 2 open) and charge p99', 'short', [
      { expr: 'max by (instance) (payments_provider_breaker_state)', legend: 'provider breaker {{instance}}' },
      { expr: 'max by (instance) (outbox_relay_breaker_state)', legend: 'relay breaker {{instance}}' },
      { expr: `histogram_quantile(0.99, sum by (le) (rate(payments_charge_duration_seconds_bucket[${R}])))`, legend: 'charge p99 (s)' },
    ]))
    .build();
}

/** RabbitMQ depth and rates, and consumer lag as the operator measures it (Kafka and RabbitMQ). */
function messaging(): DashboardJson {
  return orderflowDashboard('orderflow-messaging', 'orderflow / RabbitMQ and Kafka')
    .withRow(new RowBuilder('RabbitMQ'))
    .withPanel(timeseries('Messages ready and unacknowledged', 'short', [
      { expr: 'sum(rabbitmq_queue_messages_ready)', legend: 'ready' },
      { expr: 'sum(rabbitmq_queue_messages_unacked)', legend: 'unacknowledged' },
    ]))
    .withPanel(timeseries('Published and delivered per second', 'ops', [
      { expr: `sum(rate(rabbitmq_channel_messages_published_total[${R}]))`, legend: 'published' },
      { expr: `sum(rate(rabbitmq_channel_messages_delivered_ack_total[${R}]))`, legend: 'delivered (manual ack)' },
    ]))
    .withPanel(timeseries('Published by the apps (confirmed) per second', 'ops', [{ expr: `sum by (job, exchange) (rate(amqp_messages_published_total[${R}]))`, legend: '{{job}} → {{exchange}}' }]))
    .withPanel(timeseries('Publish confirm p99', 's', [{ expr: `histogram_quantile(0.99, sum by (job, le) (rate(amqp_publish_batch_confirm_seconds_bucket[${R}])))`, legend: '{{job}}' }]))
    .withRow(new RowBuilder('Kafka'))
    .withPanel(timeseries('Consumer lag per group and partition', 'short', [{ expr: 'max by (group, topic, partition) (kafka_consumer_lag_records)', legend: '{{group}} {{topic}}/{{partition}}' }]))
    .withPanel(timeseries('Order events consumed per second, by outcome', 'ops', [
      { expr: `sum by (outcome) (rate(aggregator_events_total[${R}]))`, legend: 'stream-aggregator {{outcome}}' },
      { expr: `sum by (outcome) (rate(indexer_records_total[${R}]))`, legend: 'order-indexer {{outcome}}' },
    ]))
    .withRow(new RowBuilder('Consumer lag (operator)'))
    .withPanel(timeseries('Lag or backlog per consumer', 'short', [{ expr: 'max by (namespace, pipeline, consumer) (orderflow_operator_consumer_lag)', legend: '{{namespace}}/{{pipeline}} {{consumer}}' }]))
    .build();
}

/** The operator: reconciles, errors, work queue, API calls, leadership. */
function operator(): DashboardJson {
  return orderflowDashboard('orderflow-operator', 'orderflow / Operator')
    .withPanel(timeseries('Reconciles per second by result', 'ops', [{ expr: `sum by (result) (rate(orderflow_operator_reconcile_duration_seconds_count[${R}]))`, legend: '{{result}}' }]))
    .withPanel(timeseries('Reconcile duration p99', 's', [{ expr: `histogram_quantile(0.99, sum by (le) (rate(orderflow_operator_reconcile_duration_seconds_bucket[${R}])))`, legend: 'p99' }]))
    .withPanel(timeseries('Reconcile errors by code', 'short', [{ expr: 'sum by (code) (orderflow_operator_reconcile_errors_total) or sum(orderflow_operator_workqueue_depth) * 0', legend: '{{code}}' }]))
    .withPanel(timeseries('Work queue: waiting and active keys', 'short', [
      { expr: 'sum(orderflow_operator_workqueue_depth)', legend: 'waiting' },
      { expr: 'sum(orderflow_operator_workqueue_active)', legend: 'active' },
    ]))
    .withPanel(timeseries('Kubernetes API requests per second', 'reqps', [{ expr: `sum by (verb, code) (rate(orderflow_operator_kube_requests_total[${R}]))`, legend: '{{verb}} {{code}}' }]))
    .withPanel(timeseries('Leader replicas', 'short', [{ expr: 'sum(orderflow_operator_leader)', legend: 'leaders' }]))
    .withPanel(timeseries('OrderPipelines by Ready status', 'short', [{ expr: 'sum by (status) (orderflow_operator_pipelines_ready)', legend: 'Ready={{status}}' }]))
    .build();
}

/** One OrderPipeline (the `pipeline` variable): its consumers' lag and the queues it declares. */
function pipeline(): DashboardJson {
  return orderflowDashboard('orderflow-pipeline', 'orderflow / OrderPipeline')
    .withVariable(labelVariable('pipeline', 'orderflow_operator_consumer_lag', 'pipeline'))
    .withPanel(timeseries('Lag or backlog per consumer, and the lag its scaling is sized for', 'short', [
      { expr: 'max by (consumer) (orderflow_operator_consumer_lag{pipeline="$pipeline"})', legend: '{{consumer}}' },
      { expr: 'max by (consumer) (orderflow_operator_consumer_lag_target{pipeline="$pipeline"})', legend: 'target {{consumer}}' },
    ]))
    .withPanel(timeseries('Total lag of the pipeline', 'short', [{ expr: 'sum(orderflow_operator_consumer_lag{pipeline="$pipeline"})', legend: '$pipeline' }]))
    .build();
}

/** Every dashboard, by the file name its JSON is written to. */
export const DASHBOARDS: Readonly<Record<string, () => DashboardJson>> = {
  'platform-overview': platformOverview,
  messaging,
  operator,
  pipeline,
};
