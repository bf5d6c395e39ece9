from django.apps import AppConfig


class MetricsTokensConfig(AppConfig):
    name = "metrics_tokens"
    verbose_name = "Metric reports and tokens"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from enrollment.hooks import register_enrollment_started
        from requirements_tracking.providers import register_provider

        from . import dbguard, selectors, services

        connection_created.connect(dbguard.install_on_connection, dispatch_uid="metrics_tokens_dbguard")
        register_enrollment_started(services.on_enrollment_started)
        register_enrollment_started(services.fidelity_assign_on_start)
        register_provider("metric_reports", selectors.metric_report_progress)
        register_provider("fidelity_exercise", selectors.fidelity_exercise_progress)
