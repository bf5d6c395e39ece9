from django.apps import AppConfig


class MetricsTokensConfig(AppConfig):
    name = "metrics_tokens"
    verbose_name = "Metric reports and tokens"
