"""Typed keys for what the application holds."""

from __future__ import annotations

import aiohttp
from aiohttp import web

from bot.config import Settings
from bot.context import Context
from bot.db import Database
from bot.metrics import Metrics
from bot.outbox import OutboxWorker
from bot.protocols import Clock, Platform, WallClock
from handlers.inbox import Inbox
from schedules.group_jobs import GroupJobs

SETTINGS = web.AppKey("settings", Settings)
CLOCK = web.AppKey("clock", Clock)
WALL = web.AppKey("wall", WallClock)
CONTEXT = web.AppKey("context", Context)
DB = web.AppKey("db", Database)
HTTP = web.AppKey("http", aiohttp.ClientSession)
PLATFORMS = web.AppKey("platforms", dict[str, Platform])
OUTBOX = web.AppKey("outbox", OutboxWorker)
JOBS = web.AppKey("jobs", GroupJobs)
METRICS = web.AppKey("metrics", Metrics)
INBOX = web.AppKey("inbox", Inbox)
