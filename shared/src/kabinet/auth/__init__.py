from kabinet.auth.principal import ANONYMOUS, Principal, Role
from kabinet.auth.tokens import InvalidToken, KeySource, KeysUnavailable, SigningKey, TokenIssuer, TokenVerifier, jwks

__all__ = ["ANONYMOUS", "InvalidToken", "KeySource", "KeysUnavailable", "Principal", "Role", "SigningKey",
           "TokenIssuer", "TokenVerifier", "jwks"]
