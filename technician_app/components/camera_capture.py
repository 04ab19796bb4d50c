"""Evidence photos taken with the camera, there and then.

An SOP step's photo and the photo behind an extra item are evidence for the customer and
for a complaint, so they come from the device's camera (flet-camera), not the gallery,
where an old picture could pass for today's. The technician sees the picture he took and
uses it or takes it again. Only a device that has no camera at all (a desktop without a
webcam) may pick a file instead, and the dialog says so.
"""

from __future__ import annotations

import asyncio
import logging

import flet as ft
import flet_camera as fc

from technician_app.components.widgets import GO, MUTED, big_button, outline_button
from technician_app.i18n import t

log = logging.getLogger("doorstep.technician.camera")

PREVIEW_WIDTH, PREVIEW_HEIGHT = 320, 240


def _back_first(cameras: list[fc.CameraDescription]) -> fc.CameraDescription:
    """The camera that faces the work (the back one) when the device has one."""
    back = [c for c in cameras if c.lens_direction == fc.CameraLensDirection.BACK]
    return (back or cameras)[0]


async def pick_file_photo() -> bytes | None:
    files = await ft.FilePicker().pick_files(file_type=ft.FilePickerFileType.IMAGE, with_data=True)
    return files[0].bytes if files and files[0].bytes else None


class CameraCapture:
    """One modal dialog: live preview → shutter → the picture → use it or retake."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.result: asyncio.Future[bytes | None] = asyncio.get_running_loop().create_future()
        self.taken: bytes | None = None
        self.camera = fc.Camera(preview_enabled=True, width=PREVIEW_WIDTH, height=PREVIEW_HEIGHT)
        self.status = ft.Text(t(lang, "camera.opening"), size=16, color=MUTED, key="camera_status")
        self.frame = ft.Container(
            self.camera, width=PREVIEW_WIDTH, height=PREVIEW_HEIGHT, bgcolor=ft.Colors.BLACK
        )
        self.dialog = ft.AlertDialog(
            modal=True,
            title=ft.Text(t(lang, "camera.title"), size=22, weight=ft.FontWeight.BOLD),
            content=ft.Column([self.frame, self.status], tight=True, spacing=8),
            actions=self._live_actions(shutter=False),
            actions_alignment=ft.MainAxisAlignment.SPACE_BETWEEN,
            on_dismiss=lambda _e: self._finish(None),
        )

    async def run(self) -> bytes | None:
        page = ft.context.page
        page.show_dialog(self.dialog)
        await self._open_camera()
        photo = await self.result
        if self.dialog.open:
            page.pop_dialog()
        return photo

    # --- steps ------------------------------------------------------------------------------
    async def _open_camera(self) -> None:
        try:
            cameras = await self.camera.get_available_cameras()
            if not cameras:
                self._no_camera()
                return
            await self.camera.initialize(
                _back_first(cameras), fc.ResolutionPreset.MEDIUM, enable_audio=False
            )
        except Exception as exc:  # permission refused, camera busy: said on the dialog
            log.warning("camera could not open: %s", exc)
            self._show(t(self.lang, "camera.failed"), self._live_actions(shutter=False))
            return
        self._show(t(self.lang, "camera.ready"), self._live_actions(shutter=True))

    async def _shoot(self, _e: ft.Event[ft.Button]) -> None:
        self._show(t(self.lang, "camera.taking"), self._live_actions(shutter=False))
        try:
            self.taken = bytes(await self.camera.take_picture())
        except Exception as exc:  # the camera went away between preview and shutter
            log.warning("camera could not take a picture: %s", exc)
            self._show(t(self.lang, "camera.failed"), self._live_actions(shutter=True))
            return
        self.frame.content = ft.Image(
            src=self.taken,
            width=PREVIEW_WIDTH,
            height=PREVIEW_HEIGHT,
            fit=ft.BoxFit.CONTAIN,
            key="camera_picture",
        )
        self._show(
            t(self.lang, "camera.check"),
            [
                outline_button(
                    t(self.lang, "camera.retake"), self._retake, key="camera_retake", expand=False
                ),
                big_button(
                    t(self.lang, "camera.use"),
                    lambda _e: self._finish(self.taken),
                    key="camera_use",
                    color=GO,
                    expand=False,
                    height=56,
                ),
            ],
        )

    def _retake(self, _e: ft.Event[ft.Button]) -> None:
        self.taken = None
        self.frame.content = self.camera
        self._show(t(self.lang, "camera.ready"), self._live_actions(shutter=True))

    def _no_camera(self) -> None:
        async def from_files(_e: ft.Event[ft.Button]) -> None:
            self._finish(await pick_file_photo())

        self._show(
            t(self.lang, "camera.none"),
            [
                self._cancel_button(),
                big_button(
                    t(self.lang, "camera.from_files"),
                    from_files,
                    key="camera_files",
                    expand=False,
                    height=56,
                ),
            ],
        )

    # --- dialog -----------------------------------------------------------------------------
    def _live_actions(self, *, shutter: bool) -> list[ft.Control]:
        return [
            self._cancel_button(),
            big_button(
                t(self.lang, "camera.shutter"),
                self._shoot,
                key="camera_shutter",
                color=GO,
                expand=False,
                height=56,
                icon=ft.Icons.PHOTO_CAMERA,
                disabled=not shutter,
            ),
        ]

    def _cancel_button(self) -> ft.Control:
        return outline_button(
            t(self.lang, "confirm.cancel"),
            lambda _e: self._finish(None),
            key="camera_cancel",
            expand=False,
        )

    def _show(self, status: str, actions: list[ft.Control]) -> None:
        self.status.value = status
        self.dialog.actions = actions
        self.dialog.update()

    def _finish(self, photo: bytes | None) -> None:
        if not self.result.done():
            self.result.set_result(photo)


async def take_photo(lang: str) -> bytes | None:
    """A photo taken now, or None when the technician cancels."""
    return await CameraCapture(lang).run()
