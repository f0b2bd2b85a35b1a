// Camera scan on the inspector's cylinder page (/console/cylinders): the phone's rear camera is read into a canvas and
// each frame is decoded in the page by jsQR (pinned, served by this host; no CDN). The text read goes to the same
// look-up as typed entry (/console/cylinders?code=…), which accepts a bare code or the URL printed in the QR.
// Without a camera (or permission, or a secure origin) the photo button decodes one picture instead, and typing
// always works. No inline script: the page's CSP allows scripts from this host only.
(function () {
  "use strict";
  var box = document.getElementById("scan");
  if (!box || typeof jsQR !== "function") return;
  var start = document.getElementById("scan-start");
  var stop = document.getElementById("scan-stop");
  var photo = document.getElementById("scan-photo");
  var video = document.getElementById("scan-video");
  var status = document.getElementById("scan-status");
  var canvas = document.createElement("canvas");
  var context = canvas.getContext("2d", { willReadFrequently: true });
  var stream = null;
  box.hidden = false;

  function say(text) { status.textContent = text; }

  function found(text) {
    halt();
    say("已识别：" + text + "，正在打开气瓶档案…");
    window.location.assign("/console/cylinders?code=" + encodeURIComponent(text));
  }

  // Decodes the pixels of a drawn picture; true when a QR code was read.
  function decode(width, height) {
    var pixels = context.getImageData(0, 0, width, height);
    var result = jsQR(pixels.data, width, height, { inversionAttempts: "attemptBoth" });
    if (result && result.data) { found(result.data); return true; }
    return false;
  }

  function frame() {
    if (!stream) return;
    if (video.readyState >= 2 && video.videoWidth > 0) {
      // Frames are scaled to at most 640 px wide: enough for a label at arm's length, light for a phone.
      var scale = Math.min(1, 640 / video.videoWidth);
      var w = Math.round(video.videoWidth * scale), h = Math.round(video.videoHeight * scale);
      canvas.width = w; canvas.height = h;
      context.drawImage(video, 0, 0, w, h);
      if (decode(w, h)) return;
    }
    window.requestAnimationFrame(frame);
  }

  function halt() {
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    stream = null;
    video.hidden = true;
    stop.hidden = true;
    start.hidden = false;
  }

  start.addEventListener("click", function () {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      say("这个浏览器不能直接打开摄像头（需要 https 网址）。请用“拍照识别”，或直接输入气瓶码。");
      return;
    }
    say("正在打开摄像头…");
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false }).then(function (s) {
      stream = s;
      video.srcObject = s;
      video.hidden = false;
      stop.hidden = false;
      start.hidden = true;
      return video.play();
    }).then(function () {
      say("请把瓶身二维码放进画面中间。");
      window.requestAnimationFrame(frame);
    }).catch(function (e) {
      halt();
      say("无法打开摄像头（" + (e && e.name === "NotAllowedError" ? "没有得到使用摄像头的许可" : "没有可用的摄像头") + "）。请用“拍照识别”，或直接输入气瓶码。");
    });
  });

  stop.addEventListener("click", function () { halt(); say("已关闭摄像头。"); });

  photo.addEventListener("change", function () {
    var file = photo.files && photo.files[0];
    if (!file) return;
    say("正在识别照片…");
    createImageBitmap(file).then(function (image) {
      var scale = Math.min(1, 1280 / Math.max(image.width, image.height));
      var w = Math.round(image.width * scale), h = Math.round(image.height * scale);
      canvas.width = w; canvas.height = h;
      context.drawImage(image, 0, 0, w, h);
      if (!decode(w, h)) say("照片里没有识别出二维码。请靠近一些、对准二维码重拍，或直接输入气瓶码。");
    }).catch(function () { say("无法读取这张照片。请重拍，或直接输入气瓶码。"); });
  });

  window.addEventListener("pagehide", halt);
})();
