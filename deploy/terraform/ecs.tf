resource "aws_ecs_cluster" "this" {
  count = var.cluster_name == "" ? 1 : 0
  name  = var.name
  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

locals {
  cluster_name = var.cluster_name != "" ? var.cluster_name : aws_ecs_cluster.this[0].name

  # deploy/ecs/task-definition.json is the task definition of record: a
  # deployment without Terraform registers the same file with
  # `aws ecs register-task-definition --cli-input-json`. Its container
  # definition carries the healthCheck (`crawler healthcheck` against
  # /healthz on METRICS_ADDR) and the awslogs options (mode blocking; see
  # deploy/README.md), so both paths register the same ones.
  task_definition = jsondecode(templatefile("${path.module}/../ecs/task-definition.json", {
    execution_role_arn   = aws_iam_role.execution.arn
    task_role_arn        = aws_iam_role.task.arn
    worker_image         = var.worker_image
    metrics_exporter     = var.metrics_exporter
    namespace            = var.namespace
    aws_region           = var.aws_region
    redis_url_secret_arn = var.redis_url_secret_arn
    log_group            = aws_cloudwatch_log_group.worker.name
  }))
}

resource "aws_ecs_task_definition" "worker" {
  family                   = local.task_definition.family
  requires_compatibilities = local.task_definition.requiresCompatibilities
  network_mode             = local.task_definition.networkMode
  cpu                      = local.task_definition.cpu
  memory                   = local.task_definition.memory
  execution_role_arn       = local.task_definition.executionRoleArn
  task_role_arn            = local.task_definition.taskRoleArn
  container_definitions    = jsonencode(local.task_definition.containerDefinitions)

  runtime_platform {
    operating_system_family = local.task_definition.runtimePlatform.operatingSystemFamily
    cpu_architecture        = local.task_definition.runtimePlatform.cpuArchitecture
  }
}

resource "aws_ecs_service" "worker" {
  name            = "${var.name}-worker"
  cluster         = local.cluster_name
  task_definition = aws_ecs_task_definition.worker.arn
  desired_count   = var.min_workers
  launch_type     = "FARGATE"

  # A scale-in stops a task with SIGTERM; the worker gives its jobs back
  # within SHUTDOWN_TIMEOUT (25 s), under stopTimeout (30 s).
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = var.security_group_ids
    assign_public_ip = false
  }

  # Autoscaling owns the desired count once the service exists.
  lifecycle {
    ignore_changes = [desired_count]
  }
}
