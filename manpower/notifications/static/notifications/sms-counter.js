// Live SMS length under a template's text: GSM-7 (160, or 153 per part) or UCS-2 for Arabic (70, or 67 per part).
(function () {
  "use strict";
  var basic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  var extended = "^{}\\[~]|€\f";
  function count(text) {
    var gsm = true, units = 0, i;
    for (i = 0; i < text.length; i++) {
      var ch = text.charAt(i);
      if (basic.indexOf(ch) >= 0) { units += 1; } else if (extended.indexOf(ch) >= 0) { units += 2; } else { gsm = false; break; }
    }
    if (!gsm) { units = text.length; }
    var single = gsm ? 160 : 70, multi = gsm ? 153 : 67;
    var parts = units === 0 ? 0 : (units <= single ? 1 : Math.ceil(units / multi));
    return {encoding: gsm ? "GSM-7" : "UCS-2", units: units, parts: parts, per: units <= single ? single : multi};
  }
  document.addEventListener("DOMContentLoaded", function () {
    var area = document.querySelector("textarea[data-sms-counter]");
    var channel = document.querySelector(".field-channel .readonly");
    if (!area || !channel || channel.textContent.trim().indexOf("SMS") < 0) { return; }
    var out = document.createElement("p");
    out.setAttribute("aria-live", "polite");
    out.className = "help";
    area.parentNode.appendChild(out);
    function update() {
      var r = count(area.value.replace(/\(\([a-z0-9_]+\)\)/g, "XXXXXXXXXX"));
      out.textContent = r.parts + " × " + r.encoding + " — " + r.units + " (" + r.per + ")";
    }
    area.addEventListener("input", update);
    update();
  });
})();
