/** The server's Prometheus text, or '' where it has no endpoint or does not answer. */
export async function metricsText(metricsUrl: string): Promise<string> {
  return await fetch(`${metricsUrl}/metrics`).then(
    (response) => (response.ok ? response.text() : ''),
    () => '',
  );
}

/** The value of `metric` (the series whose labels include `label`, if given) in Prometheus text. */
export function metricSample(text: string, metric: string, label?: string): number | undefined {
  const match = new RegExp(`^${metric}${label ? `\\{[^}]*${label}[^}]*\\}` : ''} ([0-9.e+]+)`, 'm').exec(text);
  return match ? Number(match[1]) : undefined;
}
