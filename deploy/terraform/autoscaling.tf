resource "aws_appautoscaling_target" "workers" {
  service_namespace  = "ecs"
  scalable_dimension = "ecs:service:DesiredCount"
  resource_id        = "service/${local.cluster_name}/${aws_ecs_service.worker.name}"
  min_capacity       = var.min_workers
  max_capacity       = var.max_workers
}

locals {
  scaling_vars = {
    namespace = var.namespace
    cluster   = local.cluster_name
    service   = aws_ecs_service.worker.name
  }
  # deploy/cloudwatch/scaling-*.json are the policies of record (the same
  # files serve `aws application-autoscaling put-scaling-policy`).
  target_tracking = jsondecode(templatefile("${path.module}/../cloudwatch/scaling-target-tracking.json", local.scaling_vars))
  step = jsondecode(templatefile("${path.module}/../cloudwatch/scaling-step.json", merge(local.scaling_vars, {
    # The alarms' actions are filled in by the resources below.
    scale_out_policy_arn = ""
    scale_in_policy_arn  = ""
  })))
  step_policies = { for p in local.step.Policies : p.PolicyName => p }
  step_alarms   = local.step.Alarms
}

# Target tracking on waiting jobs per live worker: ECS adds tasks until the
# backlog per worker is back at the target, and removes them when it falls.
resource "aws_appautoscaling_policy" "backlog_per_worker" {
  count              = var.scaling_mode == "target_tracking" ? 1 : 0
  name               = local.target_tracking.PolicyName
  policy_type        = local.target_tracking.PolicyType
  service_namespace  = aws_appautoscaling_target.workers.service_namespace
  scalable_dimension = aws_appautoscaling_target.workers.scalable_dimension
  resource_id        = aws_appautoscaling_target.workers.resource_id

  target_tracking_scaling_policy_configuration {
    target_value       = local.target_tracking.TargetTrackingScalingPolicyConfiguration.TargetValue
    scale_out_cooldown = local.target_tracking.TargetTrackingScalingPolicyConfiguration.ScaleOutCooldown
    scale_in_cooldown  = local.target_tracking.TargetTrackingScalingPolicyConfiguration.ScaleInCooldown
    disable_scale_in   = local.target_tracking.TargetTrackingScalingPolicyConfiguration.DisableScaleIn

    customized_metric_specification {
      namespace   = var.namespace
      metric_name = "QueueBacklogPerWorker"
      statistic   = local.target_tracking.TargetTrackingScalingPolicyConfiguration.CustomizedMetricSpecification.Statistic
    }
  }
}

# The alternative: step scaling on QueueWaitingJobs, driven by two alarms.
resource "aws_appautoscaling_policy" "waiting_steps" {
  for_each           = var.scaling_mode == "step" ? local.step_policies : {}
  name               = each.key
  policy_type        = each.value.PolicyType
  service_namespace  = aws_appautoscaling_target.workers.service_namespace
  scalable_dimension = aws_appautoscaling_target.workers.scalable_dimension
  resource_id        = aws_appautoscaling_target.workers.resource_id

  step_scaling_policy_configuration {
    adjustment_type         = each.value.StepScalingPolicyConfiguration.AdjustmentType
    cooldown                = each.value.StepScalingPolicyConfiguration.Cooldown
    metric_aggregation_type = each.value.StepScalingPolicyConfiguration.MetricAggregationType

    dynamic "step_adjustment" {
      for_each = each.value.StepScalingPolicyConfiguration.StepAdjustments
      content {
        metric_interval_lower_bound = try(step_adjustment.value.MetricIntervalLowerBound, null)
        metric_interval_upper_bound = try(step_adjustment.value.MetricIntervalUpperBound, null)
        scaling_adjustment          = step_adjustment.value.ScalingAdjustment
      }
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "waiting_steps" {
  for_each            = var.scaling_mode == "step" ? { for a in local.step_alarms : a.AlarmName => a } : {}
  alarm_name          = each.key
  alarm_description   = each.value.AlarmDescription
  namespace           = var.namespace
  metric_name         = "QueueWaitingJobs"
  statistic           = each.value.Statistic
  period              = each.value.Period
  evaluation_periods  = each.value.EvaluationPeriods
  threshold           = each.value.Threshold
  comparison_operator = each.value.ComparisonOperator
  treat_missing_data  = each.value.TreatMissingData
  alarm_actions = [
    each.key == "crawler-waiting-high"
    ? aws_appautoscaling_policy.waiting_steps["crawler-workers-waiting-scale-out"].arn
    : aws_appautoscaling_policy.waiting_steps["crawler-workers-waiting-scale-in"].arn
  ]
}
