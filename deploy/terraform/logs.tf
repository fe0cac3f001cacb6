# The workers' stdout and stderr: JSON logs, and with metrics_exporter = emf
# the EMF lines CloudWatch turns into metrics. Logs Insights queries that
# compare workers: deploy/cloudwatch/logs-insights/.
resource "aws_cloudwatch_log_group" "worker" {
  name              = "/ecs/${var.name}-worker"
  retention_in_days = var.log_retention_days
}
