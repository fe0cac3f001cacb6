data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
  }
}

# The task role is what the crawler itself may do: publish metrics, and only
# into its own namespace (the cloudwatch:namespace condition key), so a bug
# or a compromised worker cannot write into another service's metrics.
resource "aws_iam_role" "task" {
  name               = "${var.name}-worker-task"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

data "aws_iam_policy_document" "put_metric_data" {
  statement {
    sid       = "PutMetricDataInOwnNamespace"
    actions   = ["cloudwatch:PutMetricData"]
    resources = ["*"] # PutMetricData has no resource-level permissions
    condition {
      test     = "StringEquals"
      variable = "cloudwatch:namespace"
      values   = [var.namespace]
    }
  }
}

resource "aws_iam_role_policy" "task_metrics" {
  name   = "put-metric-data"
  role   = aws_iam_role.task.id
  policy = data.aws_iam_policy_document.put_metric_data.json
}

# The execution role is what ECS does for the task: pull the image, write the
# log stream (EMF lines included), read the REDIS_URL secret.
resource "aws_iam_role" "execution" {
  name               = "${var.name}-worker-execution"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

resource "aws_iam_role_policy_attachment" "execution" {
  role       = aws_iam_role.execution.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

data "aws_iam_policy_document" "read_redis_secret" {
  statement {
    actions   = ["secretsmanager:GetSecretValue", "ssm:GetParameters"]
    resources = [var.redis_url_secret_arn]
  }
  # A secret or SecureString under a customer-managed key needs the key too
  # (AWS-managed keys need nothing here).
  dynamic "statement" {
    for_each = var.redis_url_secret_kms_key_arn == "" ? [] : [var.redis_url_secret_kms_key_arn]
    content {
      actions   = ["kms:Decrypt"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role_policy" "execution_secret" {
  name   = "read-redis-url"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.read_redis_secret.json
}
