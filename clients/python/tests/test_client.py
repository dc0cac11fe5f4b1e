"""Unit tests of the client against a local stand-in server (standard library only):
python3 -m unittest discover -s clients/python/tests"""

import json
import os
import sys
import threading
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))

import tlab  # noqa: E402


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        server = self.server
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        server.calls.append((self.path, body, self.headers.get("Authorization")))
        if server.fail_next > 0:
            server.fail_next -= 1
            self.send_response(503)
            self.end_headers()
            return
        if self.path.endswith("/fail") and body["reason"] == "bad":
            self._json(400, {"error": "reason: bad"})
            return
        answer = {"id": "x1", "created": True}
        if self.path.endswith("/metrics"):
            answer = {"accepted": len(body["points"]), "cancelRequested": False}
        self._json(201, answer)

    def _json(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class ClientTest(unittest.TestCase):
    def setUp(self):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.calls = []
        self.server.fail_next = 0
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.client = tlab.Client(url=url, token="tok", retry_for=30)

    def tearDown(self):
        self.server.shutdown()
        self.server.server_close()

    def paths(self):
        return [c[0] for c in self.server.calls]

    def test_metric_names(self):
        self.assertEqual(tlab.metric_name("train_loss"), "train/loss")
        self.assertEqual(tlab.metric_name("val_accuracy"), "val/accuracy")
        self.assertEqual(tlab.metric_name("lr"), "lr")
        self.assertEqual(tlab.metric_name("my/metric"), "my/metric")

    def test_retries_until_the_server_answers_and_sends_the_token(self):
        self.server.fail_next = 2
        exp = self.client.create_experiment(name="e", base_model="m", dataset="d")
        self.assertEqual(exp.id, "x1")
        self.assertEqual(len(self.server.calls), 3)
        keys = {c[1]["clientKey"] for c in self.server.calls}
        self.assertEqual(len(keys), 1, "a retried create carries the same idempotency key")
        self.assertEqual(self.server.calls[0][2], "Bearer tok")

    def test_buffers_points_and_flushes_before_finishing(self):
        exp = self.client.create_experiment(name="e", base_model="m", dataset="d")
        run = exp.start_run("partial", 1, settings={"cut": "layer3", "optimizer": "sgd"})
        start = self.server.calls[-1][1]
        self.assertEqual(start["settings"], {"cut": "layer3", "extra": {"optimizer": "sgd"}})
        for epoch in range(1, 4):
            run.log(epoch, train_loss=1 / epoch, val_accuracy=0.5)
        run.finish(test_accuracy=0.5, labels=[0, 1], predicted=[0, 0])
        sent = [p for path, body, _ in self.server.calls if path.endswith("/metrics") for p in body["points"]]
        self.assertEqual(len(sent), 6)
        self.assertTrue(self.paths()[-1].endswith("/finish"))
        self.assertEqual(self.server.calls[-1][1]["predicted"], [0, 0])

    def test_context_manager_fails_the_run_on_an_exception(self):
        exp = self.client.create_experiment(name="e", base_model="m", dataset="d")
        with self.assertRaises(RuntimeError):
            with exp.start_run("full", 1) as run:
                run.log(1, train_loss=0.5)
                raise RuntimeError("CUDA out of memory")
        self.assertTrue(self.paths()[-1].endswith("/fail"))
        self.assertIn("CUDA out of memory", self.server.calls[-1][1]["reason"])

    def test_refusals_raise_with_the_servers_message(self):
        exp = self.client.create_experiment(name="e", base_model="m", dataset="d")
        run = exp.start_run("frozen", 1)
        with self.assertRaises(tlab.ApiError) as caught:
            run.fail("bad")
        self.assertEqual(caught.exception.status, 400)
        self.assertEqual(caught.exception.message, "reason: bad")

    def test_rejects_bad_values_at_once(self):
        exp = self.client.create_experiment(name="e", base_model="m", dataset="d")
        run = exp.start_run("frozen", 1)
        with self.assertRaises(ValueError):
            run.log(1, train_loss=float("nan"))
        with self.assertRaises(ValueError):
            exp.start_run("linear-probe", 1)
        run.fail("done")


if __name__ == "__main__":
    unittest.main()
