# A module that writes its numbers literally, and has no scaling policies.
variable "max_workers" {
  default = 8
}

resource "aws_appautoscaling_target" "w" {
  min_capacity = 1
  max_capacity = var.max_workers
  resource_id  = "service/${aws_ecs_cluster.c[0].name}/w"
}
