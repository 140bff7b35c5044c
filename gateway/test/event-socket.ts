// A WebSocket client of a gateway's /v1/events, for the tests that check events reach clients.
import WebSocket from "ws";

/** One frame the gateway sent after its hello (an event, usually). */
export type EventFrame = Record<string, unknown>;

/**
 * Connects to `${gatewayUrl}/v1/events` and resolves once the gateway said hello: the socket (close it) and every
 * frame it sends from then on, as it arrives.
 */
export async function subscribeEvents(gatewayUrl: string): Promise<{ socket: WebSocket; events: EventFrame[] }> {
  const socket = new WebSocket(`${gatewayUrl.replace(/^http/, "ws")}/v1/events`);
  const events: EventFrame[] = [];
  await new Promise<void>((resolve, reject) => {
    socket.on("message", (data: Buffer) => {
      const frame = JSON.parse(data.toString()) as EventFrame;
      if (frame.type === "hello") resolve();
      else events.push(frame);
    });
    socket.on("error", reject);
  });
  return { socket, events };
}
