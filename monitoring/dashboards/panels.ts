import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { DashboardBuilder, DatasourceVariableBuilder, QueryVariableBuilder, VariableRefresh } from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder } from '@grafana/grafana-foundation-sdk/timeseries';

/** Every panel queries the Prometheus the dashboard's `datasource` variable names. */
export const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };

/** One query of a panel: PromQL and the legend of its series. */
export interface Query {
  expr: string;
  legend: string;
}

/** A time-series panel of `queries`, half the dashboard wide. */
export function timeseries(title: string, unit: string, queries: readonly Query[]): PanelBuilder {
  const panel = new PanelBuilder().title(title).unit(unit).datasource(DATASOURCE).height(8).span(12);
  queries.forEach((q, i) => panel.withTarget(new DataqueryBuilder().expr(q.expr).legendFormat(q.legend).refId(String.fromCharCode(65 + i)).datasource(DATASOURCE)));
  return panel;
}

/** A dashboard with the Prometheus datasource variable, tagged orderflow, last hour. */
export function orderflowDashboard(uid: string, title: string): DashboardBuilder {
  return new DashboardBuilder(title)
    .uid(uid)
    .tags(['orderflow'])
    .refresh('30s')
    .time({ from: 'now-1h', to: 'now' })
    .timezone('browser')
    .withVariable(new DatasourceVariableBuilder('datasource').label('Prometheus').type('prometheus'));
}

/** A variable listing the values of `label` on `metric` (for example the pipelines). */
export function labelVariable(name: string, metric: string, label: string): QueryVariableBuilder {
  return new QueryVariableBuilder(name)
    .label(name)
    .datasource(DATASOURCE)
    .query({ query: `label_values(${metric}, ${label})`, refId: 'PrometheusVariableQueryEditor-VariableQuery' })
    .definition(`label_values(${metric}, ${label})`)
    .refresh(VariableRefresh.OnTimeRangeChanged);
}

/** The built dashboard, as the JSON Grafana imports. */
export type DashboardJson = Dashboard;
