# One image for every role: ROLE (api | realtime) picks the Gunicorn shape (gunicorn.conf.py).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /srv
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN useradd --system --uid 10001 app
USER app
ENV FLASK_APP=app:create_app
CMD ["gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]
