import asyncio, threading, time, sys, traceback
import pytest

@pytest.fixture(autouse=True)
def _watchdog():
    loop = asyncio.get_event_loop_policy().get_event_loop()
    stop = threading.Event()
    def watch():
        if not stop.wait(20):
            print("=== WATCHDOG: tasks ===", file=sys.stderr, flush=True)
            try:
                for t in asyncio.all_tasks(loop):
                    print("TASK", t.get_name(), file=sys.stderr)
                    t.print_stack(file=sys.stderr)
            except Exception as e:
                print("watchdog err", e, file=sys.stderr)
            for tid, frame in sys._current_frames().items():
                print("THREAD", tid, "".join(traceback.format_stack(frame)[-6:]), file=sys.stderr, flush=True)
    th = threading.Thread(target=watch, daemon=True); th.start()
    yield
    # keep watching through teardown
    def later():
        time.sleep(0)
    # stop only after 25 more seconds of teardown
    threading.Timer(25, stop.set).start()
