"""Piper voices on this server: installed by an administrator (``python -m handbook voices``),
shown on the administrator's page, and handed to the audio jobs (``settings``)."""
