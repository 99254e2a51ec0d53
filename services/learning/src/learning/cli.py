from kabinet.cli import service_main
from learning.bootstrap import build_runtime, create_app
from learning.settings import LearningSettings


def main() -> None:
    service_main("learning", LearningSettings, build_runtime, create_app)
