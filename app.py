"""Composition root: `app` for Dash, `server` for gunicorn (`gunicorn app:server`), `celery_app` for the
background-job worker when REDIS_URL is set (`celery -A app:celery_app worker`)."""

from portal import create_app

app = create_app()
server = app.server
celery_app = server.extensions.get("portal_celery")

if __name__ == "__main__":
    import os

    app.run(host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "8050")), debug=False)
