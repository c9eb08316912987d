/**
 * Splitstream's meters and the HTTP endpoint that exposes them. {@link
 * io.splitstream.pipeline.metrics.PipelineMetrics} owns the meters of one running pipeline and is
 * fed by the pipeline (ledger and queue-depth suppliers, per-frame handles); {@link
 * io.splitstream.pipeline.metrics.MetricsServer} serves a Prometheus registry over HTTP on
 * loopback. The catalogue of meters is {@code docs/metrics.md}.
 */
package io.splitstream.pipeline.metrics;
