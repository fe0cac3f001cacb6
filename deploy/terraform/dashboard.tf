# deploy/cloudwatch/dashboard.json is the dashboard of record; without
# Terraform: sed -e 's/\${namespace}/CrawlerService/g' -e 's/\${region}/eu-west-1/g'
# deploy/cloudwatch/dashboard.json, then aws cloudwatch put-dashboard.
resource "aws_cloudwatch_dashboard" "crawler" {
  dashboard_name = var.name
  dashboard_body = templatefile("${path.module}/../cloudwatch/dashboard.json", {
    namespace = var.namespace
    region    = var.aws_region
  })
}
