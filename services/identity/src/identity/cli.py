from identity.bootstrap import build_runtime, create_app
from identity.settings import IdentitySettings
from kabinet.cli import service_main


def main() -> None:
    service_main("identity", IdentitySettings, build_runtime, create_app)
