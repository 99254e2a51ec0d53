from pydantic_settings import SettingsConfigDict

from kabinet.settings import ServiceSettings


class SchedulingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SCHEDULING_", extra="ignore")

    service_name: str = "scheduling"
    port: int = 8002
    # How often lessons past their branch's sheet deadline are marked missed (0 turns the job off).
    missed_lessons_interval_s: float = 600.0
