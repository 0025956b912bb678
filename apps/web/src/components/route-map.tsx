/** Where the shop and the delivery address are drawn; the courier's positions are placed between them. */
export interface MapFrame {
  from: { lat: number; lng: number };
  to: { lat: number; lng: number };
}

/** A default frame around the courier's first position (no tile server: the route is drawn, not fetched). */
export function frameAround(position: { lat: number; lng: number }): MapFrame {
  return {
    from: { lat: position.lat - 0.01, lng: position.lng - 0.015 },
    to: { lat: position.lat + 0.01, lng: position.lng + 0.015 },
  };
}

/** The courier's position on a small SVG map: a straight route from the shop to the customer. */
export function RouteMap({ frame, position }: { frame: MapFrame; position: { lat: number; lng: number } | null }) {
  const W = 320;
  const H = 180;
  const pad = 20;
  const minLat = Math.min(frame.from.lat, frame.to.lat);
  const maxLat = Math.max(frame.from.lat, frame.to.lat);
  const minLng = Math.min(frame.from.lng, frame.to.lng);
  const maxLng = Math.max(frame.from.lng, frame.to.lng);
  const x = (lng: number) => pad + ((lng - minLng) / (maxLng - minLng || 1)) * (W - 2 * pad);
  const y = (lat: number) => H - pad - ((lat - minLat) / (maxLat - minLat || 1)) * (H - 2 * pad);
  return (
    <svg
      class="map"
      viewBox={`0 0 ${W} ${H}`}
      role="img"
      aria-label={
        position
          ? `Courier at ${position.lat.toFixed(4)}, ${position.lng.toFixed(4)}`
          : 'Courier position not known yet'
      }
    >
      <rect x="0" y="0" width={W} height={H} class="map__ground" />
      <line
        x1={x(frame.from.lng)}
        y1={y(frame.from.lat)}
        x2={x(frame.to.lng)}
        y2={y(frame.to.lat)}
        class="map__route"
      />
      <circle cx={x(frame.from.lng)} cy={y(frame.from.lat)} r="6" class="map__shop" />
      <circle cx={x(frame.to.lng)} cy={y(frame.to.lat)} r="6" class="map__home" />
      {position && (
        <circle cx={x(position.lng)} cy={y(position.lat)} r="8" class="map__courier" data-testid="courier" />
      )}
    </svg>
  );
}
