/** Who is acting, and from where: passed from the route to the service. */
export interface Actor {
  userId: string;
  isInstanceAdmin: boolean;
  ip: string;
  requestId: string;
}

/** For calls made before authentication (signup, login). */
export interface RequestMeta {
  ip: string;
  requestId: string;
}
