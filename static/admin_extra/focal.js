// Image admin: click the preview to set the focal point the crops keep in view.

// The marker starts at the saved point (data-x, data-y in %): set here, since the
// Content-Security-Policy refuses inline style attributes.
function placeMarker(marker, x, y) {
  marker.style.left = `${x}%`;
  marker.style.top = `${y}%`;
}

document.addEventListener("DOMContentLoaded", () => {
  for (const marker of document.querySelectorAll(".focal-preview__marker[data-x]")) {
    placeMarker(marker, marker.dataset.x, marker.dataset.y);
  }
});

document.addEventListener("click", (event) => {
  const img = event.target.closest(".focal-preview img");
  if (!img) return;
  const box = img.getBoundingClientRect();
  const x = Math.min(Math.max((event.clientX - box.left) / box.width, 0), 1);
  const y = Math.min(Math.max((event.clientY - box.top) / box.height, 0), 1);
  document.getElementById("id_focal_x").value = x.toFixed(3);
  document.getElementById("id_focal_y").value = y.toFixed(3);
  const marker = img.parentElement.querySelector(".focal-preview__marker");
  placeMarker(marker, (x * 100).toFixed(1), (y * 100).toFixed(1));
});
