"""The Transfer Lab client: experiments and runs reported from any training code."""

import atexit
import math
import os
import threading
import time
import traceback
import uuid
from typing import Any, Dict, Iterable, List, Mapping, Optional
from urllib.parse import quote, urlencode

from ._transport import TlabError, Transport

STRATEGIES = ("frozen", "partial", "full")
# Keyword names are turned into the dashboard's metric names: train_loss → train/loss.
_PREFIXES = ("train", "val", "test", "epoch")
# Settings with a field of their own on the server; anything else goes in `extra`.
_SETTINGS = {
    "cut": "cut",
    "learning_rate": "learningRate",
    "learningRate": "learningRate",
    "lr": "learningRate",
    "base_learning_rate": "baseLearningRate",
    "baseLearningRate": "baseLearningRate",
    "base_lr": "baseLearningRate",
    "head": "head",
    "epochs": "epochs",
    "batch_size": "batchSize",
    "batchSize": "batchSize",
}


def metric_name(key: str) -> str:
    """`train_loss` → `train/loss`; names that already hold a `/` are kept."""
    if "/" in key:
        return key
    prefix, sep, rest = key.partition("_")
    return f"{prefix}/{rest}" if sep and prefix in _PREFIXES and rest else key


def _plain(values: Any) -> Optional[List[Any]]:
    """Lists from lists, tuples, NumPy arrays or tensors (anything with `.tolist()`)."""
    if values is None:
        return None
    if hasattr(values, "detach"):
        values = values.detach()
    if hasattr(values, "cpu"):
        values = values.cpu()
    if hasattr(values, "tolist"):
        values = values.tolist()
    return list(values)


def _key() -> str:
    return uuid.uuid4().hex


class Client:
    """Talks to one Transfer Lab server.

    `url` and `token` default to TLAB_API_URL (else http://localhost:3000) and TLAB_TOKEN, a
    personal API token (dashboard: Settings → API tokens). `retry_for` is how long a request
    keeps being retried while the server cannot be reached (seconds).
    """

    def __init__(
        self,
        url: Optional[str] = None,
        token: Optional[str] = None,
        *,
        timeout: float = 30.0,
        retry_for: float = 600.0,
    ):
        url = url or os.environ.get("TLAB_API_URL") or "http://localhost:3000"
        token = token or os.environ.get("TLAB_TOKEN")
        if not token:
            raise TlabError(
                "no API token: pass token=... or set TLAB_TOKEN to a personal API token "
                "(dashboard: Settings → API tokens)"
            )
        self._http = Transport(url, token, timeout=timeout, retry_for=retry_for)

    @property
    def url(self) -> str:
        return self._http.url

    def create_experiment(
        self,
        name: str,
        base_model: str,
        dataset: str,
        *,
        base_model_description: str = "",
        dataset_description: str = "",
        notes: str = "",
    ) -> "Experiment":
        """A new external experiment: its runs are reported by this client."""
        body = {
            "name": name,
            "baseModel": base_model,
            "baseModelDescription": base_model_description,
            "dataset": dataset,
            "datasetDescription": dataset_description,
            "notes": notes,
            "clientKey": _key(),
        }
        created = self._http.request("POST", "/api/v1/experiments", body)
        return Experiment(self, created["id"], name)

    def experiment(self, experiment_id: str) -> "Experiment":
        """An existing experiment, to add runs to (external ones) or read."""
        detail = self._http.request("GET", f"/api/v1/experiments/{quote(experiment_id)}")
        return Experiment(self, detail["id"], detail["name"])

    def experiments(self, limit: int = 50, search: Optional[str] = None) -> List[Dict[str, Any]]:
        """The newest experiments (summaries), at most `limit` (up to 200)."""
        query = {"limit": limit, **({"search": search} if search else {})}
        return self._http.request("GET", f"/api/v1/experiments?{urlencode(query)}")["items"]

    def run(self, run_id: str) -> Dict[str, Any]:
        """A run's detail: status, final metrics, and what its client reported."""
        return self._http.request("GET", f"/api/v1/runs/{quote(run_id)}")

    def metrics(self, run_id: str) -> Dict[str, List[Dict[str, float]]]:
        """A run's metric series: {name: [{step, value}, ...]}."""
        series = self._http.request("GET", f"/api/v1/runs/{quote(run_id)}/metrics")["series"]
        return {s["name"]: s["points"] for s in series}


class Experiment:
    """An experiment; `id` is the one in the dashboard's URL (/experiments/<id>)."""

    def __init__(self, client: Client, experiment_id: str, name: str):
        self._client = client
        self.id = experiment_id
        self.name = name

    @property
    def url(self) -> str:
        return f"{self._client.url}/experiments/{self.id}"

    def start_run(
        self,
        strategy: str,
        seed: int,
        settings: Optional[Mapping[str, Any]] = None,
        trainable_params: Optional[int] = None,
        total_params: Optional[int] = None,
        *,
        flush_interval: float = 2.0,
    ) -> "Run":
        """Starts a run (RUNNING at once). Use it as a context manager to fail it on an exception."""
        if strategy not in STRATEGIES:
            raise ValueError(f"strategy must be one of {', '.join(STRATEGIES)}; got {strategy!r}")
        declared: Dict[str, Any] = {"extra": {}}
        for key, value in (settings or {}).items():
            field = _SETTINGS.get(key)
            if field:
                declared[field] = value
            else:
                declared["extra"][key] = value if isinstance(value, (bool, int, float)) else str(value)
        body: Dict[str, Any] = {
            "strategy": strategy,
            "seed": int(seed),
            "settings": declared,
            "clientKey": _key(),
        }
        if trainable_params is not None:
            body["trainableParams"] = int(trainable_params)
        if total_params is not None:
            body["totalParams"] = int(total_params)
        created = self._client._http.request(
            "POST", f"/api/v1/experiments/{quote(self.id)}/runs", body
        )
        return Run(self._client, created["id"], flush_interval=flush_interval)

    def runs(self) -> List[Dict[str, Any]]:
        return self._client._http.request("GET", f"/api/v1/experiments/{quote(self.id)}/runs")[
            "items"
        ]

    def comparison(self) -> Dict[str, Any]:
        """The experiment page's data: each run's series and each succeeded run's final metrics."""
        return self._client._http.request(
            "GET", f"/api/v1/experiments/{quote(self.id)}/comparison"
        )


class Run:
    """A run being reported; `id` is the one in the dashboard's URL (/runs/<id>).

    `log` only buffers: a background thread sends the points every `flush_interval` seconds and
    keeps retrying while the server is unreachable, so training is not held up by an outage.
    `finish` and `fail` wait for every buffered point to be stored first.
    """

    def __init__(self, client: Client, run_id: str, *, flush_interval: float = 2.0):
        self._client = client
        self.id = run_id
        self._flush_interval = flush_interval
        self._lock = threading.Lock()
        self._pending: Dict[tuple, float] = {}
        self._wake = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self._error: Optional[BaseException] = None
        self._closed = False
        self.ended: Optional[str] = None
        self.cancel_requested = False
        self._thread = threading.Thread(target=self._send_loop, name=f"tlab-run-{run_id}", daemon=True)
        self._thread.start()
        # A script that ends without finish() still gets its logged points stored.
        atexit.register(self._flush_at_exit)

    @property
    def url(self) -> str:
        return f"{self._client.url}/runs/{self.id}"

    def log(self, step: int, metrics: Optional[Mapping[str, float]] = None, **named: float) -> None:
        """Records metric values at `step` (the epoch, from 1): run.log(3, train_loss=0.4, val_accuracy=0.8)."""
        self._raise_error()
        if self.ended:
            raise TlabError(f"run {self.id} already ended ({self.ended}); start a new run")
        values = {**(metrics or {}), **named}
        if not values:
            raise ValueError("log: give at least one metric, e.g. run.log(1, train_loss=0.5)")
        step = int(step)
        if step < 0:
            raise ValueError(f"log: step must be 0 or more; got {step}")
        points = {}
        for key, value in values.items():
            number = float(value.item() if hasattr(value, "item") else value)
            if not math.isfinite(number):
                raise ValueError(f"log: {key} at step {step} is {number}; only finite values are stored")
            points[(metric_name(key), step)] = number
        with self._lock:
            self._pending.update(points)
            self._idle.clear()

    def flush(self) -> None:
        """Blocks until every logged point is stored (retrying while the server is unreachable)."""
        self._wake.set()
        while not self._idle.wait(0.1):
            self._wake.set()
            if not self._thread.is_alive():
                break
        self._raise_error()

    def finish(
        self,
        test_accuracy: float,
        labels: Optional[Iterable[int]] = None,
        predicted: Optional[Iterable[int]] = None,
        *,
        confidences: Optional[Iterable[float]] = None,
        class_names: Optional[Iterable[str]] = None,
        confusion_matrix: Optional[Iterable[Iterable[int]]] = None,
        test_loss: Optional[float] = None,
        best_epoch: Optional[int] = None,
        wall_time_ms: Optional[float] = None,
    ) -> None:
        """Ends the run SUCCEEDED. With per-image `labels` and `predicted` (class indexes) the
        server derives the confusion matrix and per-class metrics; or give `confusion_matrix`."""
        body: Dict[str, Any] = {"testAccuracy": float(test_accuracy)}
        if labels is not None:
            body["labels"] = [int(v) for v in _plain(labels) or []]
        if predicted is not None:
            body["predicted"] = [int(v) for v in _plain(predicted) or []]
        if confidences is not None:
            body["confidences"] = [float(v) for v in _plain(confidences) or []]
        if class_names is not None:
            body["classNames"] = [str(v) for v in class_names]
        if confusion_matrix is not None:
            body["confusionMatrix"] = [[int(v) for v in _plain(row) or []] for row in _plain(confusion_matrix) or []]
        if test_loss is not None:
            body["testLoss"] = float(test_loss)
        if best_epoch is not None:
            body["bestEpoch"] = int(best_epoch)
        if wall_time_ms is not None:
            body["wallTimeMs"] = float(wall_time_ms)
        self._end("finish", body, "SUCCEEDED")

    def fail(self, reason: str) -> None:
        """Ends the run FAILED with `reason` (shown in the dashboard)."""
        reason = (str(reason).strip() or "failed")[:4000]
        self._end("fail", {"reason": reason}, "FAILED")

    def _end(self, what: str, body: Dict[str, Any], status: str) -> None:
        if self.ended == status:
            return
        if self.ended:
            raise TlabError(f"run {self.id} already ended ({self.ended}); it cannot {what}")
        try:
            self.flush()
        finally:
            self._closed = True
            self._wake.set()
        self._client._http.request("POST", f"/api/v1/runs/{quote(self.id)}/{what}", body)
        self.ended = status

    def __enter__(self) -> "Run":
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is not None and not self.ended:
            detail = "".join(traceback.format_exception_only(exc_type, exc)).strip()
            try:
                self.fail(detail or exc_type.__name__)
            except TlabError:
                pass  # the original exception matters more; the run stays RUNNING on the server
        elif not self.ended:
            self.fail("the run's `with` block ended without run.finish()")
        return False

    def _flush_at_exit(self) -> None:
        if self.ended or self._closed:
            return
        try:
            self.flush()
        except Exception:  # noqa: BLE001 - the interpreter is exiting; nothing to raise to
            pass

    def _raise_error(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def _send_loop(self) -> None:
        while True:
            self._wake.wait(self._flush_interval)
            self._wake.clear()
            with self._lock:
                batch = dict(list(self._pending.items())[:5000])
            if batch:
                points = [{"name": n, "step": s, "value": v} for (n, s), v in batch.items()]
                try:
                    answer = self._client._http.request(
                        "POST", f"/api/v1/runs/{quote(self.id)}/metrics", {"points": points}
                    )
                    self.cancel_requested = bool(answer and answer.get("cancelRequested"))
                except BaseException as error:  # noqa: BLE001 - handed to the training thread
                    self._error = error
                    with self._lock:
                        # Points this batch could not store are dropped with the error raised.
                        for key in batch:
                            self._pending.pop(key, None)
                else:
                    with self._lock:
                        for key, value in batch.items():
                            # A value logged again meanwhile stays pending.
                            if self._pending.get(key) == value:
                                del self._pending[key]
            with self._lock:
                if not self._pending:
                    self._idle.set()
                    if self._closed:
                        return
                else:
                    self._wake.set()  # more to send: do not wait for the interval
            time.sleep(0)
