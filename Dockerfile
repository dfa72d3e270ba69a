# item-sync: one image for every service; the command picks the role
# (api, scheduler, fetcher, writer, migrate).  See docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY pyproject.toml README.md ./
COPY shared/ shared/
COPY services/ services/
COPY migrations/ migrations/
# Install a regular (non-editable) wheel, then drop the sources: the image runs the
# installed package only.
RUN pip install --no-cache-dir . \
    && rm -rf /src \
    && useradd --system --uid 10001 --user-group --home-dir /app --create-home \
        --shell /usr/sbin/nologin item-sync

WORKDIR /app
USER item-sync

EXPOSE 8080
ENTRYPOINT ["item-sync"]
CMD ["api"]
