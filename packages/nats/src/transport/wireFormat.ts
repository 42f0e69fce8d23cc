// How a Lucent call and its reply are laid out in NATS messages (metadata in headers, input and reply as JSON bodies): the pieces, in one import.
export { header, batchHeader, callSubject, loadSubject, type HeaderRecord } from './wire/headerNames.js';
export { encodeJson, decodeJson, asReply } from './wire/jsonBody.js';
export { encodeCallHeaders } from './wire/callHeaders.js';
export { decodeCall } from './wire/decodeCall.js';
export { batchCallLines, batchCallHeaders, type BatchedCall, type BatchLines, type BatchEntry } from './wire/batchCalls.js';
export { batchReplyHeaders, readBatchReply, type BatchReplyEntry } from './wire/batchReplies.js';
export { readIncoming, readJsonBody, replyNumber, type Incoming, type ReceivedMsg } from './wire/readMessage.js';
