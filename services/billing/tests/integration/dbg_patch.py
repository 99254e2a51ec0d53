import asyncio, time
from billing.bootstrap import BillingRuntime

orig_stop = BillingRuntime.stop

async def stop(self):
    t = time.monotonic()
    for task in self._tasks:
        task.cancel()
    print("tasks", self._tasks, flush=True)
    for task in self._tasks:
        try:
            await asyncio.wait_for(task, 5)
        except BaseException as e:
            print("task end", repr(e), time.monotonic()-t, flush=True)
    self._tasks.clear()
    try:
        await asyncio.wait_for(self.relay.stop(), 5)
    except BaseException as e:
        print("relay", repr(e), flush=True)
    print("relay stopped", time.monotonic()-t, flush=True)
    try:
        await asyncio.wait_for(self.transport.close(), 5)
    except BaseException as e:
        print("transport", repr(e), flush=True)
    print("transport closed", time.monotonic()-t, flush=True)
    await asyncio.wait_for(self.engine.dispose(), 5)
    print("disposed", time.monotonic()-t, flush=True)

BillingRuntime.stop = stop
