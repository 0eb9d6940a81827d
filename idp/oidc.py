from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator


class CitizenValidator(OAuth2Validator):
    """Adds the citizen's claims to the ID token. The provider keeps a claim only when
    `oidc_claim_scope` maps it to a granted scope: without these entries they are dropped."""

    oidc_claim_scope = {**OAuth2Validator.oidc_claim_scope, "personal_id": "openid", "acr": "openid"}

    def get_additional_claims(self, request: Any) -> dict[str, Any]:
        citizen = request.user.citizen
        return {
            "personal_id": citizen.personal_id,
            "acr": str(citizen.level),
            "name": citizen.full_name,
            "birthdate": citizen.birthdate.isoformat(),
        }
