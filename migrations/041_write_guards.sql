-- A guard inside a statement whose result nobody waits for (a queued write, sent with the
-- commit): when `ok` is false the statement fails with SQLSTATE PLN01, the transaction rolls
-- back, and the application turns `code` (a domain error code) and `message` into its error.
create or replace function plinth_guard(ok boolean, code text, message text) returns boolean
language plpgsql as $$
begin
  if ok is not true then
    raise exception using errcode = 'PLN01', message = message, detail = code;
  end if;
  return true;
end
$$;
