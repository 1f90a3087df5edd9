# One image for every role: ROLE (api | realtime) picks the Gunicorn shape (gunicorn.conf.py); the job
# consumer runs `huey_consumer tasks.huey`. Only requirements.txt is installed: no dev stack, no test tools.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /srv
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# A non-root user; var/media is where the local storage driver keeps images (mount a volume there).
RUN useradd --system --uid 10001 app && mkdir -p /srv/var/media && chown -R app /srv/var
USER app
ENV FLASK_APP=app:create_app
# Liveness (GET /health) of a Gunicorn role, the heartbeat of the job consumer; anything else is healthy
# while it runs (deploy/healthcheck.py).
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 CMD ["python", "deploy/healthcheck.py"]
CMD ["gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]
