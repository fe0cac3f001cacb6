resource "aws_sns_topic" "alarms" {
  name = "${var.name}-alarms"
}

resource "aws_sns_topic_subscription" "alarm_email" {
  count     = var.alarm_email == "" ? 0 : 1
  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

locals {
  # deploy/cloudwatch/alarms.json holds the alarms of record, in
  # PutMetricAlarm's shape (one element per `aws cloudwatch put-metric-alarm
  # --cli-input-json`): backlog high, oldest job too old, error rate, live
  # workers below the floor, no completions while jobs wait, the publisher
  # silent (its gauges stopped arriving: missing data is breaching), and
  # metrics dropped by an exporter (ExporterPointsDropped).
  # The topic's ARN is set on the resource below, not rendered into the
  # template: it is unknown until apply, and for_each needs its keys at plan.
  alarms = jsondecode(templatefile("${path.module}/../cloudwatch/alarms.json", {
    namespace       = var.namespace
    alarm_topic_arn = ""
  }))
}

resource "aws_cloudwatch_metric_alarm" "crawler" {
  for_each = { for a in local.alarms : a.AlarmName => a }

  alarm_name          = each.key
  alarm_description   = each.value.AlarmDescription
  comparison_operator = each.value.ComparisonOperator
  evaluation_periods  = each.value.EvaluationPeriods
  datapoints_to_alarm = try(each.value.DatapointsToAlarm, null)
  threshold           = each.value.Threshold
  treat_missing_data  = each.value.TreatMissingData
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]

  # A single-metric alarm...
  namespace   = try(each.value.Namespace, null)
  metric_name = try(each.value.MetricName, null)
  statistic   = try(each.value.Statistic, null)
  period      = try(each.value.Period, null)
  dimensions  = try({ for d in each.value.Dimensions : d.Name => d.Value }, null)

  # ...or a metric-math one.
  dynamic "metric_query" {
    for_each = try(each.value.Metrics, [])
    content {
      id          = metric_query.value.Id
      expression  = try(metric_query.value.Expression, null)
      label       = try(metric_query.value.Label, null)
      return_data = try(metric_query.value.ReturnData, null)

      dynamic "metric" {
        for_each = can(metric_query.value.MetricStat) ? [metric_query.value.MetricStat] : []
        content {
          namespace   = metric.value.Metric.Namespace
          metric_name = metric.value.Metric.MetricName
          dimensions  = { for d in try(metric.value.Metric.Dimensions, []) : d.Name => d.Value }
          period      = metric.value.Period
          stat        = metric.value.Stat
        }
      }
    }
  }
}
