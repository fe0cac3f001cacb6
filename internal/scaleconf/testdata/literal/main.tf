# A module that writes its numbers literally, with no policy files.
variable "max_workers" {
  default = 8
}

resource "aws_appautoscaling_target" "w" {
  min_capacity = 1
  max_capacity = var.max_workers
  resource_id  = "service/${aws_ecs_cluster.c[0].name}/w"
}

resource "aws_appautoscaling_policy" "tt" {
  name = "tt"
  target_tracking_scaling_policy_configuration {
    target_value       = 3
    scale_out_cooldown = 30
    scale_in_cooldown  = 600
    customized_metric_specification {
      metric_name = "QueueBacklogPerWorker"
      statistic   = "Average"
    }
  }
}

resource "aws_appautoscaling_policy" "up" {
  name = "up"
  step_scaling_policy_configuration {
    adjustment_type = "ChangeInCapacity"
    cooldown        = 60
    step_adjustment {
      metric_interval_lower_bound = 0
      scaling_adjustment          = 2
    }
  }
}

resource "aws_appautoscaling_policy" "down" {
  name = "down"
  step_scaling_policy_configuration {
    adjustment_type = "ChangeInCapacity"
    cooldown        = 120
    step_adjustment {
      metric_interval_upper_bound = 0
      scaling_adjustment          = -1
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "high" {
  alarm_name          = "high"
  metric_name         = "QueueWaitingJobs"
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 2
  threshold           = 50
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_appautoscaling_policy.up.arn]
}

resource "aws_cloudwatch_metric_alarm" "low" {
  alarm_name          = "low"
  metric_name         = "QueueWaitingJobs"
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 10
  threshold           = 5
  comparison_operator = "LessThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_appautoscaling_policy.down.arn]
}

resource "aws_cloudwatch_metric_alarm" "silent" {
  alarm_name          = "silent"
  metric_name         = "QueueBacklogPerWorker"
  statistic           = "SampleCount"
  period              = 60
  evaluation_periods  = 3
  datapoints_to_alarm = 3
  threshold           = 1
  comparison_operator = "LessThanThreshold"
  treat_missing_data  = "breaching"
  alarm_actions       = [aws_sns_topic.t.arn]
}
