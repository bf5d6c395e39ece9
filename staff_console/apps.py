from django.apps import AppConfig


class StaffConsoleConfig(AppConfig):
    name = "staff_console"
    verbose_name = "Staff console"
