from kabinet.cli import service_main
from scheduling.bootstrap import build_runtime, create_app
from scheduling.settings import SchedulingSettings


def main() -> None:
    service_main("scheduling", SchedulingSettings, build_runtime, create_app)
