# ECS Fargate workers that scale on the queue, with the CloudWatch dashboard,
# alarms and IAM they need. The EC2 host (docker-compose.ec2.yaml) runs the
# API, base workers, scheduler and metric publisher; this adds workers.
#
# The CloudWatch dashboard, alarms, scaling policies and the task definition
# are read from the JSON files under deploy/ (the same files a deployment
# without Terraform uses), so there is one copy of each.
terraform {
  required_version = ">= 1.6"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

provider "aws" {
  region = var.aws_region
}
