variable "aws_region" {
  description = "Region of the cluster, the metrics and the logs."
  type        = string
}

variable "name" {
  description = "Prefix of every resource's name."
  type        = string
  default     = "crawler"
}

variable "namespace" {
  description = "CloudWatch namespace of the crawler's metrics (CLOUDWATCH_NAMESPACE). The task role may publish to this namespace only."
  type        = string
  default     = "CrawlerService"
}

variable "worker_image" {
  description = "Worker image (Dockerfile target worker), e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com/crawler:worker-1.4.0."
  type        = string
}

variable "redis_url_secret_arn" {
  description = "ARN of the Secrets Manager secret (or SSM parameter) holding REDIS_URL, the Redis the EC2 host uses."
  type        = string
}

variable "redis_url_secret_kms_key_arn" {
  description = "ARN of the customer-managed KMS key the REDIS_URL secret is encrypted with; empty for an AWS-managed key."
  type        = string
  default     = ""
}

variable "metrics_exporter" {
  description = "OTEL_METRICS_EXPORTER of the ECS workers: emf (metrics through the log group, WorkerId as a property for Logs Insights) or cloudwatch (PutMetricData). Never both: CloudWatch would count every point twice."
  type        = string
  default     = "emf"
  validation {
    condition     = contains(["emf", "cloudwatch"], var.metrics_exporter)
    error_message = "metrics_exporter must be emf or cloudwatch."
  }
}

variable "cluster_name" {
  description = "ECS cluster to run the workers in; created when empty."
  type        = string
  default     = ""
}

variable "subnet_ids" {
  description = "Private subnets of the worker tasks (they need Redis and, through NAT, the crawled sites)."
  type        = list(string)
}

variable "security_group_ids" {
  description = "Security groups of the worker tasks."
  type        = list(string)
}

variable "min_workers" {
  description = "Fewest ECS worker tasks (the EC2 host's base workers come on top)."
  type        = number
  default     = 0
}

variable "max_workers" {
  description = "Most ECS worker tasks."
  type        = number
  default     = 20
}

variable "scaling_mode" {
  description = "step on QueueWaitingJobs (default: deploy/cloudwatch/scaling-step.json), or target_tracking on QueueBacklogPerWorker; docs/autoscaling.md says why step is the default."
  type        = string
  default     = "step"
  validation {
    condition     = contains(["target_tracking", "step"], var.scaling_mode)
    error_message = "scaling_mode must be target_tracking or step."
  }
}

variable "alarm_email" {
  description = "Address subscribed to the alarms' SNS topic; none when empty."
  type        = string
  default     = ""
}

variable "log_retention_days" {
  description = "Retention of the workers' log group (logs and EMF)."
  type        = number
  default     = 30
}
