// The Floor screen's HTTP calls (JSON through api.js; errors as ApiError).
import { api } from "../../api.js";

export const floorApi = {
  clubs: () => api.get("/api/clubs/"),
  slots: (tableId, day) => api.get(`/api/tables/${tableId}/slots/?date=${encodeURIComponent(day)}`),
  book: (tableId, start, end) => api.post("/api/bookings/", { table: tableId, start, end }),
  // My upcoming bookings (a page: {results}) and my running session ({session: … | null}).
  mine: () => Promise.all([api.get("/api/bookings/"), api.get("/api/sessions/current/")]),
  cancel: (bookingId) => api.post(`/api/bookings/${bookingId}/cancel/`),
  checkIn: (tableId, code) => api.post(`/api/tables/${tableId}/check-in/`, { code }),
  // Ordering to the table and paying a share of the bill (issue 18).
  catalogue: (clubId) => api.get(`/api/clubs/${clubId}/catalogue/`),
  order: (sessionId, item, quantity, requestId) =>
    api.post(`/api/sessions/${sessionId}/items/`, { item, quantity, request_id: requestId }),
  invoice: (shareId) => api.post(`/api/shares/${shareId}/invoice/`),
  depositInvoice: (bookingId) => api.post(`/api/bookings/${bookingId}/deposit-invoice/`),
};
