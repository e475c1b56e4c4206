// Draws a MediaPipe pose (33 points, normalized x/y) and hands (21 points) on a canvas.
// Shared by the live stations page and the session playback. No video, landmarks only.
"use strict";
const POSE_EDGES = [[11,12],[11,13],[13,15],[12,14],[14,16],[11,23],[12,24],[23,24],
  [15,17],[15,19],[15,21],[16,18],[16,20],[16,22],[0,11],[0,12]];
const HAND_EDGES = [[0,1],[1,2],[2,3],[3,4],[0,5],[5,6],[6,7],[7,8],[5,9],[9,10],[10,11],
  [11,12],[9,13],[13,14],[14,15],[15,16],[13,17],[17,18],[18,19],[19,20],[0,17]];
function drawSkeleton(canvas, pose, hands) {
  const g = canvas.getContext("2d"), w = canvas.width, h = canvas.height;
  g.fillStyle = "#17202a"; g.fillRect(0, 0, w, h);
  // selfie view: mirror x so the patient's right is on screen right
  const P = (p) => [(1 - p[0]) * w, p[1] * h];
  if (pose) {
    g.strokeStyle = "#5dade2"; g.lineWidth = 4; g.lineCap = "round";
    for (const [a, b] of POSE_EDGES) {
      const pa = pose[a], pb = pose[b];
      if (!pa || !pb || (pa[2] !== undefined && pa[2] < 0.3) || (pb[2] !== undefined && pb[2] < 0.3)) continue;
      const [x1, y1] = P(pa), [x2, y2] = P(pb);
      g.beginPath(); g.moveTo(x1, y1); g.lineTo(x2, y2); g.stroke();
    }
  } else {
    g.fillStyle = "#aab7b8"; g.font = "16px sans-serif"; g.fillText("no body in view", 12, 24);
  }
  g.strokeStyle = "#f5b041"; g.lineWidth = 2;
  for (const hand of (hands || [])) {
    for (const [a, b] of HAND_EDGES) {
      if (!hand[a] || !hand[b]) continue;
      const [x1, y1] = P(hand[a]), [x2, y2] = P(hand[b]);
      g.beginPath(); g.moveTo(x1, y1); g.lineTo(x2, y2); g.stroke();
    }
  }
}
