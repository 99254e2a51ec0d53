from billing.bootstrap import build_runtime, create_app
from billing.settings import BillingSettings
from kabinet.cli import service_main


def main() -> None:
    service_main("billing", BillingSettings, build_runtime, create_app)
