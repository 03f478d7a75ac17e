/** Kept for code written before the move: the Basic-auth helper lives in http/basic-auth.ts. */
export { basicAccount, type HumanAccount, sendUnauthorised } from '../http/basic-auth.js';
