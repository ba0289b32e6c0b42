"""A minimal RTSP server for the capture tests: serves a live test pattern as RTP/JPEG.

Usage: rtsp_server.py PORT MOUNT WIDTH HEIGHT FPS
Prints "READY <port>" on stdout once it accepts connections, then runs until killed.
Needs python3-gi, gir1.2-gst-rtsp-server-1.0, gstreamer1.0-plugins-base and -good.
"""

import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def main(argv: list[str]) -> int:
    port, mount, width, height, fps = argv[1], argv[2], int(argv[3]), int(argv[4]), int(argv[5])
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(port)
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(
        "( videotestsrc is-live=true pattern=ball "
        f"! video/x-raw,format=I420,width={width},height={height},framerate={fps}/1 "
        "! jpegenc quality=80 ! rtpjpegpay name=pay0 pt=26 )"
    )
    factory.set_shared(True)
    server.get_mount_points().add_factory(mount, factory)
    if server.attach(None) == 0:
        print("FAILED to bind", flush=True)
        return 1
    print(f"READY {server.get_bound_port()}", flush=True)
    GLib.MainLoop().run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
