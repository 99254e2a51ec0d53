from kabinet.cli import service_main

from identity.bootstrap import build_runtime, create_app
from identity.settings import IdentitySettings


def main() -> None:
    service_main("identity", IdentitySettings, build_runtime, create_app)
