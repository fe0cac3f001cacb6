output "task_role_arn" {
  description = "Role of the worker tasks (PutMetricData in var.namespace only)."
  value       = aws_iam_role.task.arn
}

output "log_group" {
  description = "Log group of the worker tasks: logs and EMF; the Logs Insights queries run here."
  value       = aws_cloudwatch_log_group.worker.name
}

output "cluster" {
  description = "ECS cluster of the workers (var.cluster_name, or the one created): what describe-services and the scaling-activity commands need."
  value       = local.cluster_name
}

output "service" {
  description = "ECS service of the autoscaled workers."
  value       = aws_ecs_service.worker.name
}

output "alarm_topic_arn" {
  description = "SNS topic the alarms notify."
  value       = aws_sns_topic.alarms.arn
}

output "dashboard" {
  description = "CloudWatch dashboard name."
  value       = aws_cloudwatch_dashboard.crawler.dashboard_name
}
