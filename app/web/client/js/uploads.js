// Images: ask the API for a presigned upload, post the file to it (docs/images.md, Flow), and hand
// back the image id to name in the message.
import { ApiError } from "./api.js";

export const IMAGE_TYPES = ["image/jpeg", "image/png", "image/webp", "image/gif"];

/** Upload one file for `conversationId`; resolves to {id, name}. Rejects with ApiError. */
export async function uploadImage(session, conversationId, file) {
  if (!IMAGE_TYPES.includes(file.type)) {
    throw new ApiError(422, "validation_error", "only JPEG, PNG, WebP and GIF images can be sent");
  }
  const ticket = await session.api("POST", `/conversations/${conversationId}/images`,
    { body: { content_type: file.type, size: file.size } });
  const form = new FormData();
  for (const [name, value] of Object.entries(ticket.upload.fields)) form.append(name, value);
  form.append("file", file); // last: the store ignores fields after the file
  let response;
  try {
    response = await fetch(ticket.upload.url, { method: "POST", body: form });
  } catch {
    throw new ApiError(0, "network_error", "the image store cannot be reached");
  }
  if (!response.ok) throw new ApiError(response.status, "upload_failed", `the upload was refused (${response.status})`);
  return { id: ticket.image_id, name: file.name };
}
