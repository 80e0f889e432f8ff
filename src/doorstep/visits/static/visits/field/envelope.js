/* The compliance envelope checks the phone makes offline; mirrors visits/envelope.py
   (check_moment, distance_m), which the server runs again on every synced record. */
"use strict";

const Envelope = (() => {
  const WINDOW_RULE = "CN-VISIT-01";
  const EARTH_RADIUS_M = 6371000;

  function localParts(moment, zone) {
    const parts = new Intl.DateTimeFormat("en-CA", {
      timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
    }).formatToParts(moment);
    const part = (type) => parts.find((p) => p.type === type).value;
    return {
      date: `${part("year")}-${part("month")}-${part("day")}`,
      time: `${part("hour")}:${part("minute")}:${part("second")}`,
    };
  }

  /* The rule ids a contact at `moment` breaks: the gate's rules if it refused the visit when
     it was scheduled, and the window rule outside the visit's local day and hours. */
  function checkMoment(envelope, moment) {
    const broken = envelope.allowed ? [] : [...envelope.rules];
    const local = localParts(moment, envelope.timezone);
    const [start, end] = envelope.window;
    const inside = local.date === envelope.date && start <= local.time && local.time < end;
    if (!inside && !broken.includes(WINDOW_RULE)) broken.push(WINDOW_RULE);
    return broken;
  }

  function distanceM(lat1, lon1, lat2, lon2) {
    const rad = (deg) => (Number(deg) * Math.PI) / 180;
    const p1 = rad(lat1), p2 = rad(lat2);
    const dp = p2 - p1, dl = rad(lon2) - rad(lon1);
    const a = Math.sin(dp / 2) ** 2 + Math.cos(p1) * Math.cos(p2) * Math.sin(dl / 2) ** 2;
    return Math.round(2 * EARTH_RADIUS_M * Math.asin(Math.sqrt(a)));
  }

  return { checkMoment, distanceM, localParts };
})();
