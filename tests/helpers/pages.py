"""Reading pages as a person does: in English (the portal is German by default), with the
messages the page shows."""

from django.conf import settings


def english(client):
    """Ask for the English UI, to match messages by their text."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]
