from pydantic_settings import SettingsConfigDict

from kabinet.settings import ServiceSettings


class LearningSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LEARNING_", extra="ignore")

    service_name: str = "learning"
    port: int = 8004
    # A sheet may be filled from this long before the lesson starts (a teacher preparing on the phone).
    sheet_open_before_start_min: int = 30
